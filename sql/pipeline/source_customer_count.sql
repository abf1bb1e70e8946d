-- How many customers upstream has written: zero means a brand-new, empty warehouse.
select count(*) from source.customers
