-- Catalog products, trimmed and normalised (raw_catalog is already typed by its contract).
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
        price,
        upper(trim(currency)) as currency,
        nullif(upper(trim(ships_from_postcode)), '') as ships_from_postcode,
        updated_at,
        _delivery_date,
        _load_id,
        _delivered
    from source
)

select * from final
