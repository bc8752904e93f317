import sys

from pwlc.cli import main

sys.exit(main())
