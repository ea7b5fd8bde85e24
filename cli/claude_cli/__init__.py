"""claude: the Anthropic Messages API from the shell."""

__version__ = "0.1.0"
