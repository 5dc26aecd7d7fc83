import { describe, expect, it } from 'vitest';
import { forgetCredential, parseFragment, saveSignIn, takeSignIn } from './credentials.ts';

class MemoryStorage {
  readonly items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
}

function address(hash: string) {
  const replaced: string[] = [];
  return {
    location: { hash, pathname: '/inbox/', search: '' },
    history: {
      state: null,
      replaceState: (_state: unknown, _title: string, url: string) => void replaced.push(url),
    },
    replaced,
  };
}

describe('the inbox sign-in', () => {
  it('takes the admin key from the fragment, keeps it for the tab and clears the address bar', () => {
    const storage = new MemoryStorage();
    const { location, history, replaced } = address('#key=chorus_admin_abc&name=Ada');
    expect(takeSignIn(location, history, storage)).toEqual({
      credential: { kind: 'admin-key', key: 'chorus_admin_abc' },
      name: 'Ada',
    });
    expect(replaced).toEqual(['/inbox/']);
    // The next load of the tab has no fragment, and signs in the same.
    const later = address('');
    expect(takeSignIn(later.location, later.history, storage)).toEqual({
      credential: { kind: 'admin-key', key: 'chorus_admin_abc' },
      name: 'Ada',
    });
    expect(later.replaced).toEqual([]);
    forgetCredential(storage);
    expect(takeSignIn(later.location, later.history, storage)).toEqual({
      credential: null,
      name: 'Ada',
    });
  });

  it('takes an identity JWT only with the room it staffs', () => {
    expect(parseFragment('#identity=a.b.c&room=northwind').credential).toEqual({
      kind: 'identity',
      jwt: 'a.b.c',
      room: 'northwind',
    });
    expect(parseFragment('#identity=a.b.c').credential).toBe(null);
    expect(parseFragment('#other=1')).toEqual({ credential: null, name: null });
  });

  it('ignores what it cannot read back, and works without storage', () => {
    const storage = new MemoryStorage();
    storage.setItem('chorus:inbox:credential', '{not json');
    const { location, history } = address('');
    expect(takeSignIn(location, history, storage).credential).toBe(null);
    saveSignIn(null, { name: 'Ada' });
    const withKey = address('#key=k');
    expect(takeSignIn(withKey.location, withKey.history, null).credential).toEqual({
      kind: 'admin-key',
      key: 'k',
    });
  });
});
