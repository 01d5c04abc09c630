-- Search impressions with clicks and explicit thumbs, typed.
with source as (
    select * from raw_feedback
),

final as (
    select
        lower(trim(query)) as query,
        trim(product_id) as product_id,
        try_cast(rank as integer) as rank,
        try_cast(clicked as integer) as clicked,
        nullif(lower(trim(thumbs)), '') as thumbs,
        try_cast(event_at as timestamp) as event_at,
        _delivery_date,
        _load_id
    from source
)

select * from final
