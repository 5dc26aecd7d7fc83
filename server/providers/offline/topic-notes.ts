/**
 * Common-sense notes the offline personas know about everyday topics (bikes and commuting, buying
 * and delivery, software), each seen three ways: Sage's advice, Scout's fact, Critic's risk. A
 * question picks the notes its words match; the personas build their answers from them and from
 * the question's own terms. General knowledge only: never a price, a product or a claim about a
 * particular shop (the site's own knowledge is for a knowledge source to supply).
 */

export interface TopicNote {
  /** Matches the question's text. */
  pattern: RegExp;
  label: string;
  /** What Sage would suggest. */
  advice: string;
  /** What Scout would put in a table's second column. */
  fact: string;
  /** What Critic would warn about. */
  risk: string;
}

const NOTES: TopicNote[] = [
  {
    pattern: /\b(hills?|hilly|climbs?|climbing|steep|slopes?)\b/i,
    label: 'Hills',
    advice:
      'gearing matters more than weight: a wide gear range, or electric assist, keeps the climbs steady',
    fact: 'climbing sets the effort; gear range or assist decides it',
    risk: 'a bike that feels fine on the flat can make every climb a slog; test-ride it on a hill like yours',
  },
  {
    pattern: /\b(commut\w*|ride to work|to work|daily ride)\b/i,
    label: 'Commute',
    advice:
      'mudguards, lights and a rack turn a bike into something you will actually ride every day',
    fact: 'daily use: reliability and comfort count more than top speed',
    risk: 'rain and dark evenings: without mudguards and lights the bike stays at home',
  },
  {
    pattern: /\b(e-?bikes?|electric|pedelec|battery)\b/i,
    label: 'Electric assist',
    advice: 'assist flattens hills and distance, at the price of weight and charging',
    fact: 'range depends on assist level, rider weight and climbing',
    risk: 'battery range falls in the cold and on climbs; check the range at the assist level you would use',
  },
  {
    pattern: /\b(bikes?|bicycles?|cycl\w*)\b/i,
    label: 'Bike',
    advice:
      'a hybrid or touring frame with an upright position is the usual all-rounder; size and fit come before brand',
    fact: 'fit and frame size matter more than the spec sheet',
    risk: 'theft: where it stands during the day matters as much as which bike it is',
  },
  {
    pattern: /\b(rain|wet|winter|weather|cold)\b/i,
    label: 'Weather',
    advice: 'plan for the worst month, not the best: mudguards, good tyres and disc brakes',
    fact: 'braking distances grow in the wet',
    risk: 'rim brakes and slick tyres lose grip in the wet',
  },
  {
    pattern: /\b(budget|afford|under|below|max(?:imum)?|cheapest)\b/i,
    label: 'Budget',
    advice:
      'decide the ceiling first, then keep some of it for the extras (lock, lights, servicing)',
    fact: 'the price is not the total: extras and upkeep add to it',
    risk: 'the cheapest option can cost more over time in repairs and parts',
  },
  {
    pattern: /\b(deliver\w*|shipping|ship)\b/i,
    label: 'Delivery',
    advice: 'ask for the delivery window and whether it arrives assembled',
    fact: 'delivery time and assembly vary by item',
    risk: 'a missed delivery window or self-assembly can cost a day',
  },
  {
    pattern: /\b(returns?|refunds?|exchange)\b/i,
    label: 'Returns',
    advice: 'read the return window and the condition the item must be in before you buy',
    fact: 'return windows and conditions differ by shop',
    risk: 'used or custom-fitted items are often excluded from returns',
  },
  {
    pattern: /\b(warrant\w*|guarantee)\b/i,
    label: 'Warranty',
    advice: 'check what the warranty covers (frame, parts, battery) and for how long',
    fact: 'frames, parts and batteries often have different terms',
    risk: 'wear parts and damage from use are usually not covered',
  },
  {
    pattern: /\b(cach\w*|memoi\w*)\b/i,
    label: 'Caching',
    advice: 'cache what is read often and changes rarely, and decide up front how entries expire',
    fact: 'a hit saves the whole round trip; a miss costs a lookup more',
    risk: 'stale data: an invalidation bug quietly serves old answers',
  },
  {
    pattern: /\b(database|postgres\w*|sql|queue|index(?:es)?|shard\w*)\b/i,
    label: 'Data',
    advice:
      'start with the simplest schema that answers today’s queries, and measure before adding moving parts',
    fact: 'most slow queries are missing an index, not missing a new system',
    risk: 'every new moving part is another thing to back up, monitor and migrate',
  },
  {
    pattern: /\b(secur\w*|passwords?|auth\w*|login|tokens?|secrets?)\b/i,
    label: 'Security',
    advice:
      'keep secrets on the server, check every input, and give each part the least access it needs',
    fact: 'most breaches start with leaked credentials or unchecked input',
    risk: 'a secret that reaches a browser or a log is a secret shared with everyone',
  },
  {
    pattern: /\b(deploy\w*|release|launch|migrat\w*|rollout|ship it)\b/i,
    label: 'Release',
    advice: 'release in small steps you can undo, and watch one number that tells you it worked',
    fact: 'small releases are easier to roll back',
    risk: 'no rollback plan: a bad release stays live while you work out the fix',
  },
  {
    pattern: /\b(tests?|testing|bugs?|errors?)\b/i,
    label: 'Testing',
    advice: 'reproduce the problem with one failing test first; the fix is done when it passes',
    fact: 'a failing test pins the behaviour down',
    risk: 'a fix without a test tends to come back',
  },
];

/**
 * The notes whose topics `text` mentions, most specific first, at most `limit`.
 * @example
 * notesFor('Which bike suits a 10 km commute with hills?').map((note) => note.label); // ['Hills', 'Commute', 'Bike']
 */
export function notesFor(text: string, limit = 3): TopicNote[] {
  return NOTES.filter((note) => note.pattern.test(text)).slice(0, limit);
}
