-- Search impressions with clicks and explicit thumbs (typed in raw by the contract).
with source as (
    select * from raw_feedback
),

final as (
    select
        lower(trim(query)) as query,
        trim(product_id) as product_id,
        rank,
        clicked,
        nullif(lower(trim(thumbs)), '') as thumbs,
        event_at,
        nullif(trim(model_version), '') as model_version,
        _delivery_date,
        _load_id,
        _delivered
    from source
)

select * from final
