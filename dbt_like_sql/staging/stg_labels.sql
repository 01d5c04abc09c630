-- Annotator labels, one row per (item, annotator), typed and normalised.
with source as (
    select * from raw_labels
),

final as (
    select
        trim(item_id) as item_id,
        trim(annotator_id) as annotator_id,
        lower(trim(label)) as label,
        try_cast(labeled_at as timestamp) as labeled_at,
        _delivery_date,
        _load_id
    from source
)

select * from final
