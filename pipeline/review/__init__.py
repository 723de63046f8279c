"""The reviewer app: audit claim evidence against its sentence; decisions are kept append-only and feed back."""
