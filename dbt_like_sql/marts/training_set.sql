-- Catalog products with their majority label and how strongly annotators agree on it.
-- A product nobody labelled is kept with a null label (the missing_labels check counts them;
-- training learns from labelled products only).
with products as (
    select * from stg_catalog
),

labels as (
    select * from stg_labels
),

votes as (
    select item_id, label, count(*) as n_votes
    from labels
    group by item_id, label
),

ranked as (
    select
        item_id,
        label,
        n_votes,
        sum(n_votes) over (partition by item_id) as n_annotators,
        row_number() over (partition by item_id order by n_votes desc, label) as vote_rank
    from votes
),

majority as (
    select
        item_id,
        label,
        n_annotators,
        n_votes / n_annotators as agreement
    from ranked
    where vote_rank = 1
),

final as (
    select
        products.product_id,
        products.title,
        products.description,
        products.brand,
        products.ships_from_postcode,
        products.category as vendor_category,
        majority.label,
        majority.n_annotators::integer as n_annotators,
        majority.agreement,
        products._load_id as catalog_load_id
    from products
    left join majority on products.product_id = majority.item_id
)

select * from final
