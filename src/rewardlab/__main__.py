"""``python -m rewardlab`` runs the command line."""

from rewardlab.cli import main

if __name__ == "__main__":
    main()
