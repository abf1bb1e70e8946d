-- One cell of a band migration matrix.
insert into risk.band_migrations (from_date, to_date, from_band, to_band, customers, from_band_customers, computed_at)
values (:from_date, :to_date, :from_band, :to_band, :customers, :from_band_customers, :computed_at)
