-- Annotator labels, one row per (item, annotator), normalised (typed in raw).
with source as (
    select * from raw_labels
),

final as (
    select
        trim(item_id) as item_id,
        trim(annotator_id) as annotator_id,
        lower(trim(label)) as label,
        labeled_at,
        _delivery_date,
        _load_id,
        _delivered
    from source
)

select * from final
