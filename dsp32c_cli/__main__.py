from dsp32c_cli import main

main()
