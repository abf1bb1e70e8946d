-- Empty every source-contract table at once; the caller reloads them in the same transaction.
truncate source.customers, source.credit_outcomes, source.transactions,
    source.fraud_labels, source.news_articles, source.news_labels
