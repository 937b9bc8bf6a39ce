"""Business actions. Each public function checks authorisation first, then acts."""
