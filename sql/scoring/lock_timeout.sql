-- How long this transaction's lock statements may wait, e.g. '5000ms' (transaction-local).
select set_config('lock_timeout', :timeout, true) as lock_timeout
