import { css } from 'lit';

/** The citation chips under an agent reply (docs/architecture.md §12); the chip look is `.mini`'s. */
export const citationStyles = css`
  .sources {
    display: flex;
    flex-wrap: wrap;
    gap: 4px;
    margin: 4px 0 0;
    padding: 0;
    list-style: none;
  }

  /* A chip: a long title ends in an ellipsis (its full text stays the accessible name). */
  .citation {
    display: inline-block;
    max-width: 16em;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
    line-height: 22px;
  }

  .citation:not([href]) {
    cursor: default;
  }
`;
