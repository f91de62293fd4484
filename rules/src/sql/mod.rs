pub mod tenant_setting_not_local;
