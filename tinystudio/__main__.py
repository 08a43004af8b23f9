import sys

from tinystudio.cli import main

sys.exit(main())
