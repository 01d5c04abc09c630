-- Search feedback as training signal: one row per (query, product) that users clicked or gave
-- a thumbs up, never one that got a thumbs down. As a relevance judgement its gain is 2 for a
-- thumbs up, else 1 (what product_search_evaluation scores each index version on); as a weak
-- label, the pair carries the product's majority label from training_set, and a query's most
-- frequent one is the category category_model learns the query text as
-- (ml/feedback_judgements.py). The table's row count is the volume of both.
with feedback as (
    select * from stg_feedback
),

products as (
    select product_id, label from training_set
),

pairs as (
    select
        query,
        product_id,
        count(*) as impressions,
        coalesce(max(clicked), 0) > 0 as clicked,
        coalesce(bool_or(thumbs = 'up'), false) as thumbs_up,
        coalesce(bool_or(thumbs = 'down'), false) as thumbs_down,
        max(event_at) as last_seen_at
    from feedback
    group by query, product_id
),

final as (
    select
        pairs.query,
        pairs.product_id,
        if(pairs.thumbs_up, 2, 1) as gain,
        pairs.clicked,
        pairs.thumbs_up,
        pairs.impressions,
        products.label as weak_label,
        pairs.last_seen_at
    from pairs
    left join products on pairs.product_id = products.product_id
    where not pairs.thumbs_down and (pairs.clicked or pairs.thumbs_up)
)

select * from final
