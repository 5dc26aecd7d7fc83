import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EN } from './en.ts';
import { FR } from './fr.ts';
import { LANGUAGE_PACKS } from './language-packs.ts';
import {
  describeError,
  forgetLanguagePacks,
  format,
  LANGUAGE_PACK_FILES,
  listNames,
  loadLanguagePack,
  resolveLocale,
  stringsFor,
} from './strings.ts';

/** A fetch that serves the language packs as the server does (`{server}/chorus-i18n/<language>.json`). */
function servePacks(packs: Record<string, unknown> = LANGUAGE_PACKS) {
  return vi.fn(async (url: string) => {
    const language = /\/chorus-i18n\/(\w+)\.json$/.exec(url)?.[1];
    const pack = language ? packs[language] : undefined;
    return pack
      ? new Response(JSON.stringify(pack), { headers: { 'content-type': 'application/json' } })
      : new Response('Not Found', { status: 404 });
  });
}

describe('i18n', () => {
  beforeEach(() => forgetLanguagePacks());
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  });

  it('has every key in every language pack, with the same placeholders', () => {
    const placeholders = (text: string) =>
      [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();
    for (const pack of Object.values(LANGUAGE_PACKS)) {
      expect(Object.keys(pack).sort()).toEqual(Object.keys(EN).sort());
      for (const key of Object.keys(EN) as (keyof typeof EN)[])
        expect(placeholders(pack[key]), key).toEqual(placeholders(EN[key]));
    }
  });

  it('knows, unbuilt, the packs the build writes', () => {
    expect(Object.keys(LANGUAGE_PACK_FILES).sort()).toEqual(Object.keys(LANGUAGE_PACKS).sort());
    expect(LANGUAGE_PACK_FILES).toEqual({ fr: 'fr.json' });
  });

  it("is English until a language's pack is loaded, then speaks it, with overrides on top", async () => {
    const fetch = servePacks();
    vi.stubGlobal('fetch', fetch);
    expect(stringsFor('fr-CA').send).toBe('Send');
    const pack = loadLanguagePack('fr-CA', 'https://chat.example.com/widget/');
    expect(pack).toBeInstanceOf(Promise);
    expect(loadLanguagePack('fr', 'https://chat.example.com/widget')).toBe(pack);
    await pack;
    expect(fetch.mock.calls).toEqual([['https://chat.example.com/widget/chorus-i18n/fr.json']]);
    expect(loadLanguagePack('fr-FR', 'https://chat.example.com')).toBeUndefined();
    expect(stringsFor('fr-CA')).toEqual(FR);
    expect(stringsFor('fr', { send: 'Go' })).toEqual({ ...FR, send: 'Go' });
    expect(stringsFor('en', { send: 'Go' }).send).toBe('Go');
  });

  it('fetches nothing for English or a language without a pack', () => {
    const fetch = servePacks();
    vi.stubGlobal('fetch', fetch);
    expect(loadLanguagePack('en-GB', 'https://chat.example.com')).toBeUndefined();
    expect(loadLanguagePack('de', 'https://chat.example.com')).toBeUndefined();
    expect(stringsFor('de').send).toBe('Send');
    expect(fetch).not.toHaveBeenCalled();
  });

  it('keeps English for keys a pack lacks (a server of another version)', async () => {
    vi.stubGlobal('fetch', servePacks({ fr: { send: 'Envoyer' } }));
    await loadLanguagePack('fr', 'https://chat.example.com');
    expect(stringsFor('fr')).toEqual({ ...EN, send: 'Envoyer' });
  });

  it('stays English, with one warning and no retry, when a pack cannot be loaded', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const fetch = servePacks({});
    vi.stubGlobal('fetch', fetch);
    await expect(loadLanguagePack('fr', 'https://chat.example.com')).resolves.toBeUndefined();
    expect(stringsFor('fr')).toBe(EN);
    expect(loadLanguagePack('fr', 'https://chat.example.com')).toBeUndefined();
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toMatch(
      /chorus-i18n\/fr\.json could not be loaded \(Error: HTTP 404\); the chat is in English/,
    );
  });

  it('takes the locale from the attribute, else the page', () => {
    expect(resolveLocale('fr', 'en')).toBe('fr');
    expect(resolveLocale('', 'de-AT')).toBe('de-AT');
    expect(resolveLocale('not a locale!', 'en')).toBe('en');
  });

  it('fills placeholders and joins names the locale’s way', () => {
    expect(format('{names} are typing… {missing}', { names: 'A and B' })).toBe(
      'A and B are typing… {missing}',
    );
    expect(listNames(['Ada', 'Grace', 'Linus'], 'en')).toBe('Ada, Grace, and Linus');
    expect(listNames(['Ada', 'Grace'], 'fr')).toBe('Ada et Grace');
  });

  it('words the widget’s own errors and passes the server’s through', () => {
    expect(describeError({ code: 'network_error', message: 'Failed to fetch' }, FR)).toBe(
      'Le serveur de discussion est injoignable.',
    );
    expect(describeError({ code: 'conflict', message: 'That id has other content' }, EN)).toBe(
      'That id has other content',
    );
  });

  it('words the refusals a person must understand: a mute and a rate limit', () => {
    expect(describeError({ code: 'muted', message: 'muted' }, EN)).toBe('You have been muted');
    expect(describeError({ code: 'muted', message: 'muted' }, FR)).toBe(FR.muted);
    expect(describeError({ code: 'rate_limited', message: 'Too many' }, EN)).toBe(
      EN.errorRateLimited,
    );
    expect(describeError({ code: 'rate_limited', message: 'Too many' }, FR)).toMatch(/trop vite/);
  });
});
