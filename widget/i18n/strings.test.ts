import { describe, expect, it } from 'vitest';
import { EN } from './en.ts';
import { FR } from './fr.ts';
import { describeError, format, listNames, resolveLocale, stringsFor } from './strings.ts';

describe('i18n', () => {
  it('has every key in every dictionary, with the same placeholders', () => {
    expect(Object.keys(FR).sort()).toEqual(Object.keys(EN).sort());
    const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();
    for (const key of Object.keys(EN) as (keyof typeof EN)[]) expect(placeholders(FR[key]), key).toEqual(placeholders(EN[key]));
  });

  it('picks the dictionary by language, falls back to English, and applies overrides', () => {
    expect(stringsFor('fr-CA').send).toBe('Envoyer');
    expect(stringsFor('de').send).toBe('Send');
    expect(stringsFor('en', { send: 'Go' }).send).toBe('Go');
  });

  it('takes the locale from the attribute, else the page', () => {
    expect(resolveLocale('fr', 'en')).toBe('fr');
    expect(resolveLocale('', 'de-AT')).toBe('de-AT');
    expect(resolveLocale('not a locale!', 'en')).toBe('en');
  });

  it('fills placeholders and joins names the locale’s way', () => {
    expect(format('{names} are typing… {missing}', { names: 'A and B' })).toBe('A and B are typing… {missing}');
    expect(listNames(['Ada', 'Grace', 'Linus'], 'en')).toBe('Ada, Grace, and Linus');
    expect(listNames(['Ada', 'Grace'], 'fr')).toBe('Ada et Grace');
  });

  it('words the widget’s own errors and passes the server’s through', () => {
    expect(describeError({ code: 'network_error', message: 'Failed to fetch' }, FR)).toBe('Le serveur de discussion est injoignable.');
    expect(describeError({ code: 'rate_limited', message: 'Too many messages' }, EN)).toBe('Too many messages');
  });
});
