/**
 * Short, correct code for a few everyday programming questions (debouncing, retrying, caching,
 * fetching JSON), so an offline persona asked a technical question can show real code. Any other
 * technical question gets steps and a skeleton named after its terms.
 */
import type { Question } from './question-reading.ts';

export interface CodeRecipe {
  title: string;
  steps: string[];
  /** Code by language; `typescript` is always there and is used for languages without their own. */
  code: { typescript: string } & Partial<Record<string, string>>;
  /** Label and detail rows: what to know about the API. */
  facts: [string, string][];
  pitfalls: string[];
}

const RECIPES: { pattern: RegExp; recipe: CodeRecipe }[] = [
  {
    pattern: /\b(debounc\w*|throttl\w*)\b/i,
    recipe: {
      title: 'debounce',
      steps: [
        'Keep one timer per debounced function.',
        'On every call, clear the pending timer and start a new one.',
        'Run the real function only when the timer fires, with the latest arguments.',
      ],
      code: {
        typescript: `function debounce<A extends unknown[]>(run: (...args: A) => void, waitMs = 300) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return (...args: A): void => {
    clearTimeout(timer);
    timer = setTimeout(() => run(...args), waitMs);
  };
}

input.addEventListener('input', debounce(() => search(input.value), 300));`,
        python: `import threading

def debounce(wait_s):
    def decorate(run):
        timer = None
        def call(*args):
            nonlocal timer
            if timer:
                timer.cancel()
            timer = threading.Timer(wait_s, run, args)
            timer.start()
        return call
    return decorate`,
      },
      facts: [
        ['Typical wait', '200–500 ms for typing'],
        ['Fires', 'once, after the last call'],
        ['Throttle instead', 'when you need regular updates while typing'],
      ],
      pitfalls: [
        'a reply to an old query can arrive after a newer one: ignore responses that are not for the latest input',
        'the pending call still fires after the component is gone unless you cancel the timer',
        'too long a wait feels broken; too short saves nothing',
      ],
    },
  },
  {
    pattern: /\b(retr\w*|backoff|back off)\b/i,
    recipe: {
      title: 'retry with backoff',
      steps: [
        'Try the call; return at once when it succeeds.',
        'On a failure that may pass (timeouts, 429, 5xx), wait and try again.',
        'Double the wait each time, add jitter, and give up after a few attempts.',
      ],
      code: {
        typescript: `async function retry<T>(attempt: () => Promise<T>, tries = 4, baseMs = 250): Promise<T> {
  for (let index = 0; ; index += 1) {
    try {
      return await attempt();
    } catch (error) {
      if (index >= tries - 1) throw error;
      const waitMs = baseMs * 2 ** index * (0.5 + Math.random() / 2);
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }
}`,
      },
      facts: [
        ['Retry', 'timeouts, 429 and 5xx'],
        ['Do not retry', '4xx other than 429: the request itself is wrong'],
        ['Waits', '250 ms, 500 ms, 1 s … with jitter'],
      ],
      pitfalls: [
        'retrying a call that is not idempotent can do the thing twice (two payments, two emails)',
        'without jitter every client retries at the same moment and the outage gets worse',
        'retries multiply load: cap the attempts and the total time',
      ],
    },
  },
  {
    pattern: /\b(cach\w*|memoi\w*)\b/i,
    recipe: {
      title: 'a small cache with expiry',
      steps: [
        'Pick what to cache: read often, changes rarely, same answer for everyone who asks.',
        'Store each value with the time it expires.',
        'On a read, serve a fresh entry; otherwise fetch, store and return.',
      ],
      code: {
        typescript: `const cache = new Map<string, { value: unknown; expiresAt: number }>();

async function cached<T>(key: string, ttlMs: number, load: () => Promise<T>): Promise<T> {
  const hit = cache.get(key);
  if (hit && hit.expiresAt > Date.now()) return hit.value as T;
  const value = await load();
  cache.set(key, { value, expiresAt: Date.now() + ttlMs });
  return value;
}`,
      },
      facts: [
        ['Good fit', 'read-heavy data that tolerates being a little old'],
        ['Expiry', 'a TTL, or invalidate on write'],
        ['Measure', 'the hit rate, before and after'],
      ],
      pitfalls: [
        'stale data: a missed invalidation serves old answers with no error anywhere',
        'an unbounded map grows until the process runs out of memory; cap its size',
        'per-user data under a shared key leaks one user’s answer to another',
      ],
    },
  },
  {
    pattern: /\b(fetch\w*|http request|call (?:an|the) api|json)\b/i,
    recipe: {
      title: 'fetching JSON safely',
      steps: [
        'Call `fetch` with a timeout.',
        'Check `response.ok` before reading the body.',
        'Parse the JSON and validate its shape before using it.',
      ],
      code: {
        typescript: `async function getJson(url: string, timeoutMs = 5000): Promise<unknown> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(\`\${url} answered \${response.status}\`);
  return response.json();
}`,
        python: `import json, urllib.request

def get_json(url, timeout_s=5):
    with urllib.request.urlopen(url, timeout=timeout_s) as response:
        return json.load(response)`,
      },
      facts: [
        ['fetch rejects', 'only on network failure, not on 4xx/5xx'],
        ['Timeout', '`AbortSignal.timeout(ms)`'],
        ['Body', 'read once: `json()` or `text()`, not both'],
      ],
      pitfalls: [
        'a 404 or 500 does not throw: without the `ok` check the error page is parsed as data',
        'no timeout means a hung server hangs the caller too',
        'trusting the JSON shape: validate it before it reaches the rest of the code',
      ],
    },
  },
];

/**
 * The recipe for a technical question: a known one, or steps and a skeleton named after its terms.
 * @example
 * recipeFor(readQuestion('How do I debounce a search input in TypeScript?')).title; // 'debounce'
 */
export function recipeFor(question: Question): CodeRecipe {
  const known = RECIPES.find(({ pattern }) => pattern.test(question.text))?.recipe;
  if (known) return known;
  const words = question.terms.filter((term) => /^[\p{L}]+$/u.test(term)).slice(0, 3);
  const name = camelCase(words.length > 0 ? words : ['solve', 'problem']);
  const subject = words.join(' ') || 'the problem';
  return {
    title: subject,
    steps: [
      `Write down one real input and the output you expect for ${subject}.`,
      'Write the smallest function that turns that input into that output.',
      'Add a test for it, then the next case that breaks it.',
    ],
    code: {
      typescript: `// Start from one real case for ${subject}, and grow from the test.
export function ${name}(input: string): string {
  if (input.trim() === '') throw new Error('${name} needs an input');
  return input; // replace with the real transformation
}

console.assert(${name}('example') === 'example');`,
      python: `def ${snakeCase(words)}(value: str) -> str:
    if not value.strip():
        raise ValueError("an input is needed")
    return value  # replace with the real transformation`,
    },
    facts: words.map((word): [string, string] => [
      word,
      'named in the question; behaviour to pin down with a test',
    ]),
    pitfalls: [
      `the empty or malformed input for ${subject}: decide what happens before it happens in production`,
      'the error path: what the caller sees when it fails',
      'no test: the behaviour drifts with the next change',
    ],
  };
}

function camelCase(words: readonly string[]): string {
  return words
    .map((word, index) =>
      index === 0 ? word.toLowerCase() : word.charAt(0).toUpperCase() + word.slice(1).toLowerCase(),
    )
    .join('');
}

function snakeCase(words: readonly string[]): string {
  return words.length > 0 ? words.map((word) => word.toLowerCase()).join('_') : 'solve_problem';
}
