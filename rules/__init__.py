"""Pure domain rules (no Flask, no database): working days, USCC, the quiet-day engine."""
