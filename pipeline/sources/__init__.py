"""Where articles come from: live E-utilities, PubMed XML files, JSON lines, the bundled sample."""
