"""Entity extraction: the spaCy pipeline (scispaCy tokenizer, abbreviations, sentences, NER), rules, context,
normalisation. Knows nothing about parquet: it turns text into Mention and Dose records."""
