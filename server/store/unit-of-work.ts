/**
 * A unit of work: statements that commit together. The transcript and the run queue accept one
 * from the caller, so posting a message inserts it and its runs in one transaction without either
 * part calling the other (docs/architecture.md §2, "Seams grow by concept").
 */
import type { SqlExecutor } from './sql.ts';

/** An open transaction, passed through to the parts' writes; callers never query it themselves. */
export type UnitOfWork = SqlExecutor;

export interface Transactions {
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (unit: UnitOfWork) => Promise<T>): Promise<T>;
}
