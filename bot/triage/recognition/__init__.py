"""Finding symptoms, readings, therapies, dates and the language in what people type."""
