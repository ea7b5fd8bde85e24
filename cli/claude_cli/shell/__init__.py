"""What is generated from the Typer app ahead of time: completion scripts (completion), man pages
(manpage), and the generator that writes them with the help texts into _generated.py (docgen).

Build-time code: nothing on a command's path imports this folder (the commands read _generated).
"""
