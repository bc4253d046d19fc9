"""A run's result from the grading to the reader: what grades it (:mod:`.dispatch`), where
it is written and made current (:mod:`.record`), and how every reader sees it
(:mod:`.read`, typed by :mod:`.schema`)."""
