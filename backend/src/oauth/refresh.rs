//! PLACEHOLDER: refresh-on-read, one refresh per connection across replicas (api work).
