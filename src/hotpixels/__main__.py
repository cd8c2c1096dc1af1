"""``python -m hotpixels``: the command-line interface."""

from hotpixels.cli import main

if __name__ == "__main__":
    main()
