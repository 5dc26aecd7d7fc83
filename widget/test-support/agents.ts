import type { AgentInfo } from '../room/api-types.ts';

/** The agents of the test room. */
export const AGENTS: AgentInfo[] = [
  {
    id: 'sage',
    name: 'Sage',
    handle: 'sage',
    color: '#7c3aed',
    model: 'offline-sage',
    description: 'Thoughtful',
  },
  {
    id: 'scout',
    name: 'Scout',
    handle: 'scout',
    color: '#0e7490',
    model: 'offline-scout',
    description: 'Fast facts',
  },
  {
    id: 'muse',
    name: 'Muse',
    handle: 'muse',
    color: '#be185d',
    model: 'offline-muse',
    description: 'Creative',
  },
];
