pub mod sequential_resource_id;
