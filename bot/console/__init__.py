"""The terminal console and the in-process Bot API stand-in (`LocalSession`) it and the tests run on."""
