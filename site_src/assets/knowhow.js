// knowhow
