from vgr.cli import main

main()
