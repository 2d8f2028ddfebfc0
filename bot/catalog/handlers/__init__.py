"""The chat and inline handlers of the catalog: one router per feature module (`create_router()`)."""
