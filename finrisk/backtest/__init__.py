"""Outcomes analysis: published PDs against the defaults that followed, and performance before labels.

Pure statistics (`calibration`, `lights`, `discrimination`, `migration`, `estimate`, `compare`) know
nothing of the warehouse; `outcomes` reads the pairs of (published or point-in-time PD, outcome),
`store` writes the results to `risk.*`, and `run` is the step the CLI and the DAGs call.
"""
