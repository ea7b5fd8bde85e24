"""One module per subcommand; each is thin: parse flags, call the flow, pick a renderer."""
