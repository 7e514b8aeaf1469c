from common.events.cli import main

main()
