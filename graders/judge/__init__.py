"""The trusted judge: compares a student's outputs with the reference, outside the sandbox."""
