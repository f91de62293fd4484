pub mod sensitive_data_logged;
