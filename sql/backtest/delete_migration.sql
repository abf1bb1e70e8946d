-- Remove an earlier migration matrix between the same two dates.
delete from risk.band_migrations where from_date = :from_date and to_date = :to_date
