import type { Rooms } from './store/rooms.ts';

/**
 * The demo pages' rooms. Every agent answers, so a first visit shows the room at its liveliest;
 * the company page is a support site (each visitor private, staff in /inbox/), the others group rooms.
 */
const DEMO_ROOMS: ReadonlyArray<{ id: string; title: string; settings: Record<string, unknown> }> =
  [
    {
      id: 'northwind',
      title: 'Northwind Bikes',
      settings: {
        kind: 'support',
        policy: 'all',
        welcome:
          'Hi! Ask us about bikes, service or delivery. A person from the team is one click away.',
        starters: ['Which bike suits a 10 km commute with hills?', 'How long does delivery take?'],
      },
    },
    { id: 'shared', title: 'Shared room', settings: { policy: 'all' } },
    { id: 'themes', title: 'Theming', settings: { policy: 'all' } },
  ];

/**
 * Creates the demo pages' rooms (`npm start`). A data folder from before room kinds gets the
 * demo settings once; an admin's later changes are kept.
 */
export async function seedDemoRooms(
  rooms: Pick<Rooms, 'ensureRoom' | 'updateRoomSettings'>,
): Promise<void> {
  for (const { id, title, settings } of DEMO_ROOMS) {
    const room = await rooms.ensureRoom({ id, title, settings });
    if (room.settings.kind === undefined) await rooms.updateRoomSettings(id, settings);
  }
}
