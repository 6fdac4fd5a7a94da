"""One module per family of hard rules and objectives; each adds to an AssignmentVars model.

Rules 1, 3 and 4 (occurrence, availability and absence, skills and credentials) are enforced by
creating variables only for eligible pairs (see solver.index); the modules here add the rest.
"""
