"""symsim: a simulated EMC Symmetrix/PowerMax array answering SYMCLI commands.

Standard library only: every simulated symcli call is its own process, so start-up must stay cheap.
symsim never imports clonepilot: it is an independent oracle for the product's tests.
"""
