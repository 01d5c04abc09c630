-- Inference requests the classifier scored, trimmed and normalised (typed in raw by the contract).
with source as (
    select * from raw_inference_requests
),

final as (
    select
        trim(request_id) as request_id,
        requested_at,
        nullif(trim(title), '') as title,
        nullif(trim(description), '') as description,
        nullif(trim(brand), '') as brand,
        price,
        _delivery_date,
        _load_id,
        _delivered
    from source
)

select * from final
