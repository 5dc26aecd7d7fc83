/** Token usage and budgets per room and day (docs/decisions.md, "Budgets, fairness, stops and crashes"). `postgres-budget.ts` implements it. */
import type { TokenUsage } from '../../protocol/room.ts';

/**
 * The outcome of reserving tokens for a run: `reserved`; `wait` (the budget cannot fit it now,
 * but runs in flight hold reservations that may come back); `exhausted` (nothing in flight, and
 * it still does not fit: the room has used its budget for today).
 */
export type TokenReservation = 'reserved' | 'wait' | 'exhausted';

/** A room's token budget for one day: what was spent and what runs in flight hold. */
export interface TokenBudgetState {
  used: number;
  reserved: number;
}

/** `tokens` of the room's `budget` (its daily cap) for a running run, on `day` (default today). */
export interface TokenReservationRequest {
  roomId: string;
  runId: string;
  tokens: number;
  budget: number;
  day?: string;
}

export interface Budget {
  addTokenUsage(roomId: string, usage: TokenUsage, day?: string): Promise<void>;
  getTokenUsage(roomId: string, day?: string): Promise<TokenUsage>;
  /** Today's spent and reserved tokens of a room. */
  getTokenBudget(roomId: string, day?: string): Promise<TokenBudgetState>;
  /**
   * Reserves `tokens` of the room's `budget` for a running run, atomically across processes: it
   * fits when spent + reserved + `tokens` <= `budget`. A run may reserve again (a further model call).
   */
  reserveTokens(input: TokenReservationRequest): Promise<TokenReservation>;
  /**
   * Several reservations at once, answered in their order: those of one room and budget in one
   * statement when they fit together (the agents of one message starting), else one by one as
   * {@link reserveTokens} would.
   */
  reserveTokensForRuns(inputs: readonly TokenReservationRequest[]): Promise<TokenReservation[]>;
  /** Ends a run's reservation: its real usage is counted, what it reserved released; wakes waiting rooms. */
  settleTokens(input: { roomId: string; runId: string; usage: TokenUsage }): Promise<void>;
  /** True for the first caller only, per room and day: that caller posts the "budget used" notice. */
  claimBudgetNotice(roomId: string, day?: string): Promise<boolean>;
}
