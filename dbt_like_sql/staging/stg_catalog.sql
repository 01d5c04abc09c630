-- Catalog products, typed: prices as decimals, dates as parsed by ingest per the contract.
with source as (
    select * from raw_catalog
),

final as (
    select
        trim(product_id) as product_id,
        nullif(trim(title), '') as title,
        nullif(trim(description), '') as description,
        nullif(trim(brand), '') as brand,
        lower(trim(category)) as category,
        try_cast(price as decimal(12, 2)) as price,
        upper(trim(currency)) as currency,
        updated_at__parsed as updated_at,
        _delivery_date,
        _load_id
    from source
)

select * from final
