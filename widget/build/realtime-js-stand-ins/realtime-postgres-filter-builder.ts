/**
 * Stand-in for `@supabase/realtime-js/dist/module/RealtimePostgresFilterBuilder.js` in the widget
 * build (widget/build/trim-realtime-js.ts): the fluent builder of postgres_changes filters.
 * RealtimeChannel only tests `filter instanceof RealtimePostgresFilterBuilder`, which stays false
 * since nothing can construct one.
 */
import { notInWidget } from './not-in-widget.ts';

export class RealtimePostgresFilterBuilder {
  constructor() {
    notInWidget();
  }
}

export const postgresChangesFilter = notInWidget;
