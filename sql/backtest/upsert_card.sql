-- One model card.
insert into risk.model_cards (model, registered_name, owner, intended_use, limitations, validation_status, updated_at)
values (:model, :registered_name, :owner, :intended_use, :limitations, :validation_status, :updated_at)
on conflict (model) do update set
    registered_name = excluded.registered_name, owner = excluded.owner, intended_use = excluded.intended_use,
    limitations = excluded.limitations, validation_status = excluded.validation_status, updated_at = excluded.updated_at
