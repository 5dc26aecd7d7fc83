/**
 * Synthetic filler for the knowledge benchmark: plausible bike-shop articles (riding tips, care,
 * routes, news), generated from a fixed seed so every run indexes the same text. They share the
 * demo's vocabulary (bike, frame, battery, service, price…) on purpose: search has to rank the
 * real answer above many partial matches, as it would in a large site's knowledge.
 */
import type { KnowledgeDocument } from '../../server/store/knowledge.ts';

/** A small, fast, seeded PRNG (mulberry32): the same seed gives the same sequence. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Each article's topic, with the phrases only articles on it use (a site's vocabulary is wide). */
const TOPICS: Record<string, readonly string[]> = {
  'winter riding': [
    'studded tyres on icy paths',
    'gloves that keep fingers warm',
    'salted roads in January',
    'a thermal base layer',
    'frozen puddles at dawn',
  ],
  'tyre pressure': [
    'a gauge on the track pump',
    'the pressure printed on the sidewall',
    'softer tyres on gravel',
    'a slow puncture',
    'valve caps and adaptors',
  ],
  'chain care': [
    'a degreaser and an old toothbrush',
    'wax lubricant for dry summers',
    'a stretched chain checker',
    'rust spots on the links',
    'the sprockets and chainring',
  ],
  'commuting in the rain': [
    'mudguards with long flaps',
    'overshoes and rain trousers',
    'a dry bag for documents',
    'wet leaves on cycle paths',
    'a cap under the helmet',
  ],
  'touring the coast': [
    'the North Sea cycle route',
    'campsites behind the dunes',
    'ferries between the islands',
    'headwinds along the dike',
    'a map of the coastal nodes',
  ],
  'child seats': [
    'a rear seat with a footrest',
    'a front seat between the arms',
    'a rain cover for toddlers',
    'straps that click shut',
    'the weight limit of the seat',
  ],
  'locking your bike': [
    'a folding lock rated by insurers',
    'frame locks with a plug-in chain',
    'guarded parking in the centre',
    'a registration sticker',
    'engraving the frame number',
  ],
  'lights and visibility': [
    'reflective ankle bands',
    'a tail light with a stand-light',
    'bright jackets at dusk',
    'spoke reflectors',
    'the beam pattern of a headlamp',
  ],
  'cycling holidays': [
    'a week in the Ardennes',
    'booking hotels that store bicycles',
    'the train to Maastricht',
    'luggage transfer between towns',
    'a repair kit for the trip',
  ],
  saddles: [
    'a saddle with a cut-out',
    'sit-bone width measured on cardboard',
    'leather that shapes itself',
    'padded shorts for longer rides',
    'the tilt of the seat',
  ],
  cleaning: [
    'a bucket of warm soapy water',
    'a soft brush for the spokes',
    'drying with an old towel',
    'polish for the paintwork',
    'a hose on a gentle setting',
  ],
  'city routes': [
    'the ring road around Utrecht',
    'traffic lights with rain sensors',
    'quiet streets through the parks',
    'bridges over the Maas',
    'bicycle streets where cars are guests',
  ],
  'group rides': [
    'riding two abreast',
    'hand signals for potholes',
    'a coffee stop halfway',
    'a leader who knows the way',
    'keeping a steady pace',
  ],
  'station parking': [
    'underground garages with free days',
    'a shared public bike',
    'racks on two levels',
    'parking passes for regular travellers',
    'the walk to the platform',
  ],
  wind: [
    'drafting behind a partner',
    'a lower riding position',
    'gusts on open polders',
    'planning the return with a tailwind',
    'wind forecasts by the hour',
  ],
  luggage: [
    'waterproof panniers',
    'a basket on the front carrier',
    'elastic straps for a crate',
    'a trailer for camping gear',
    'balancing the load left and right',
  ],
};
const SUBJECTS = [
  'Most riders',
  'Our mechanics',
  'A good rule',
  'Many people',
  'On a weekend, you',
  'Experienced commuters',
  'Families',
  'Beginners',
  'Our customers',
  'Touring cyclists',
  'Students',
  'Older riders',
  'Parents',
  'Couriers',
  'Visitors',
];
const VERBS = [
  'check',
  'adjust',
  'clean',
  'replace',
  'bring',
  'plan',
  'compare',
  'oil',
  'think about',
  'store',
  'protect',
  'choose',
  'try',
  'recommend',
  'avoid',
  'ask about',
  'look at',
  'pack',
];
const TAILS = [
  'so everything stays quiet and smooth.',
  'which saves a visit later.',
  'especially when the weather turns.',
  'and it takes only a few minutes.',
  'because small problems grow on rough roads.',
  'before the cold months start.',
  'to keep the paint in good shape.',
  'when the wind comes from the sea.',
  'on the cobbles of the old town.',
  'after a trip through sand or salt.',
  'as the seasons change.',
  'if you ride every day.',
  'without spending much.',
  'and most of them never look back.',
];
const HEADINGS = [
  'Before you go',
  'On the road',
  'At home',
  'Tools you need',
  'Common mistakes',
  'Our advice',
  'In bad weather',
  'Getting started',
  'Going further',
  'A checklist',
  'Questions from riders',
  'What we see',
];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

/** Subject, verb and one of the topic's phrases; every other sentence a common ending too. */
function sentence(random: () => number, phrases: readonly string[]): string {
  const head = `${pick(random, SUBJECTS)} ${pick(random, VERBS)} ${pick(random, phrases)}`;
  return random() < 0.5 ? `${head}, ${pick(random, TAILS)}` : `${head}.`;
}

/**
 * `count` filler documents of `chunksPerDocument` sections each, sources `filler/article-N.md`
 * numbered from `first`; the same arguments and seed give the same documents.
 */
export function fillerDocuments(
  first: number,
  count: number,
  chunksPerDocument: number,
  seed: number,
): KnowledgeDocument[] {
  const random = seededRandom(seed + first);
  return Array.from({ length: count }, (_, index) => {
    const number = first + index;
    const topic = pick(random, Object.keys(TOPICS));
    const phrases = TOPICS[topic]!;
    const title = `Notes on ${topic} (${number})`;
    return {
      source: `filler/article-${String(number).padStart(5, '0')}.md`,
      title,
      url: null,
      checksum: `filler-${seed}-${number}`,
      chunks: Array.from({ length: chunksPerDocument }, (__, position) => ({
        title: position === 0 ? title : pick(random, HEADINGS),
        content: Array.from({ length: 3 + Math.floor(random() * 4) }, () =>
          sentence(random, phrases),
        ).join(' '),
      })),
    };
  });
}
