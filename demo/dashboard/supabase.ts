// The dashboard's supabase-js client, on Chorus instead of a Supabase project: the URL is this
// server, the anon key and a room token come from `POST /api/session`, and the token is the
// client's access token for REST (`from('messages')`) and Realtime (`postgres_changes`) alike.
import { createClient } from '@supabase/supabase-js';

/** The room the dashboard watches: `?room=<id>`, else the demo's shared room. */
export const roomId = new URLSearchParams(location.search).get('room') ?? 'shared';

const response = await fetch('/api/session', {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ room: roomId, name: 'Dashboard' }),
});
if (!response.ok) throw new Error(`POST /api/session answered ${response.status}`);
const session = (await response.json()) as { token: string; realtime: { apikey: string } };

export const roomToken = session.token;
export const supabase = createClient(location.origin, session.realtime.apikey, {
  accessToken: async () => roomToken,
});
// realtime-js joins before an async access token resolves; have it before any channel joins.
await supabase.realtime.setAuth();
